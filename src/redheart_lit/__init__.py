"""redheart_lit: a Lightning + Hydra multitask model for emotion, Bentham ethics, regret and SURD."""

import logging

# transformers imports torchao when it is installed; torchao then logs, at import, that
# its optional CUDA kernels (built for other Python versions) cannot load. That is noise on
# every command here, not a problem: 8-bit AdamW uses torchao's pure-PyTorch path.
logging.getLogger("torchao").setLevel(logging.ERROR)
logging.getLogger("torch.utils._pytree").setLevel(logging.ERROR)
