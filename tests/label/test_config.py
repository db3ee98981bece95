"""conf/label.yaml with every llm option composes into valid settings; --help explains it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf.errors import MissingMandatoryValue
from tests.conftest import PROJECT_ROOT, compose_config

from redheart_lit.label.config import settings_from_config
from redheart_lit.paths import config_dir

LLM_OPTIONS = sorted(p.stem for p in (config_dir() / "llm").glob("*.yaml"))
REQUIRED = ["input=in.jsonl", "output=out.jsonl", "llm.model=some-model"]


@pytest.mark.parametrize("option", LLM_OPTIONS)
def test_every_llm_option_composes_into_settings(tmp_path: Path, option: str) -> None:
    extra = ["llm.base_url=http://127.0.0.1:9/v1"] if option == "default" else []
    cfg = compose_config("label", [f"llm={option}", *REQUIRED, *extra], tmp_path)
    settings = settings_from_config(cfg)
    assert settings.llm.model == "some-model"
    assert settings.llm.base_url.startswith("http")
    assert settings.cache_dir.endswith("/cache/label")


def test_presets_name_their_servers(tmp_path: Path) -> None:
    urls = {
        option: settings_from_config(
            compose_config("label", [f"llm={option}", *REQUIRED], tmp_path)
        ).llm.base_url
        for option in ("vllm", "ollama", "llamacpp", "openai")
    }
    assert urls == {
        "vllm": "http://127.0.0.1:8000/v1",
        "ollama": "http://127.0.0.1:11434/v1",
        "llamacpp": "http://127.0.0.1:8080/v1",
        "openai": "https://api.openai.com/v1",
    }


def test_missing_base_url_is_named(tmp_path: Path) -> None:
    cfg = compose_config("label", REQUIRED, tmp_path)
    with pytest.raises(MissingMandatoryValue, match="base_url"):
        settings_from_config(cfg)


def test_help_explains_the_labeller() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "redheart_lit.label", "--help"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    for needle in ("REDHEART_LLM_API_KEY", "dry_run=true", "llm.max_tokens_total", "Exit codes",
                   "redheart_lit.label.agreement", "redheart_lit.label.cache clear"):  # fmt: skip
        assert needle in out


def test_the_labeller_imports_neither_torch_nor_lightning() -> None:
    # It reads and checks records and talks HTTP; a start-up should not pay for torch.
    code = (
        "import sys, redheart_lit.label.run, redheart_lit.label.agreement, "
        "redheart_lit.label.dry_run; "
        "assert not {'torch', 'lightning'} & set(sys.modules), 'torch or lightning imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, timeout=60, check=True)
