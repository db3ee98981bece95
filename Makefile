# Targets users and CI run. `make help` lists them.
PYTHON ?= python
export WANDB_MODE ?= offline
export PYTHONHASHSEED ?= 0

.PHONY: help install train test test-fast lint format bench bench-serve bench-batching bench-gpu bench-multimodal bench-ray dashboard-screenshots clean

help:  ## Show this help.
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

install:  ## Install the package with development tools.
	$(PYTHON) -m pip install -e ".[dev]"

train:  ## Train the default experiment (small model, sample data, CPU).
	$(PYTHON) train.py

test:  ## Run the whole test suite (CPU, < 10 minutes on 2 cores).
	$(PYTHON) -m pytest -n 2 --durations=15

test-fast:  ## Run the tests not marked slow.
	$(PYTHON) -m pytest -n 2 -m "not slow"

lint:  ## Check style with ruff (lint and format).
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format:  ## Fix what ruff can fix.
	$(PYTHON) -m ruff check --fix .
	$(PYTHON) -m ruff format .

# CPU benchmarks of training (issue 5), each writing its JSON to docs/bench/; the figures
# in docs/benchmarks.md come from these files. Run on an otherwise idle machine: the
# ratios are side by side in one process, but other load makes them noisy.
bench:  ## Training benchmarks on CPU: ours vs plain loop vs HF Trainer, 8-bit AdamW, compile, scaling, feature cache.
	$(PYTHON) benchmarks/train_step.py --out docs/bench/train_step.json
	$(PYTHON) benchmarks/scaling.py --out docs/bench/scaling.json --img-dir docs/img
	$(PYTHON) benchmarks/feature_cache.py --out docs/bench/feature_cache.json

# The bundles bench-serve measures: the tiny model (experiment=tiny) and the small one
# (the default experiment, sample_small), each trained on the sample data and exported.
# A missing one is trained into logs/bench/train/<name> and exported to logs/export/<name>;
# delete the export folder to re-export, both folders to retrain. BENCH_SERVE_BUNDLES may
# name other exported folders.
BENCH_SERVE_BUNDLES ?= logs/export/tiny logs/export/small
BENCH_TRAIN_DIR := logs/bench/train
BENCH_EXPERIMENT_tiny := experiment=tiny
BENCH_EXPERIMENT_small := experiment=sample_small

# The models whose runtimes bench-serve compares (eager vs ONNX fp32 vs ONNX int8): each
# checkpoint exported three times, to logs/export/<m>, <m>_onnx and <m>_int8.
BENCH_RUNTIME_MODELS ?= small minilm
BENCH_EXPERIMENT_minilm := experiment=sample_small encoder=minilm_offline
BENCH_RUNTIME_BUNDLES := $(foreach m,$(BENCH_RUNTIME_MODELS),logs/export/$(m) logs/export/$(m)_onnx logs/export/$(m)_int8)

bench-serve: $(addsuffix /config.json,$(BENCH_SERVE_BUNDLES) $(BENCH_RUNTIME_BUNDLES))  ## Load-test serve.py (micro-batched vs naive; eager vs ONNX fp32/int8); writes docs/bench/serve*.json and docs/benchmarks.md.
	$(PYTHON) benchmarks/serve_load.py $(BENCH_SERVE_BUNDLES) --out docs/bench/serve.json \
		--doc docs/benchmarks.md
	$(PYTHON) benchmarks/serve_runtimes.py \
		$(foreach m,$(BENCH_RUNTIME_MODELS),--model $(m) logs/export/$(m) logs/export/$(m)_onnx logs/export/$(m)_int8) \
		--out docs/bench/serve_runtimes.json --doc docs/benchmarks.md

# The ONNX exports of a benchmark checkpoint (trained by the rule below when missing).
logs/export/%_onnx/config.json: logs/export/%/config.json
	rm -rf logs/export/$*_onnx
	$(PYTHON) -m redheart_lit.export ckpt=$(BENCH_TRAIN_DIR)/$*/checkpoints/last.ckpt out=logs/export/$*_onnx format=onnx

logs/export/%_int8/config.json: logs/export/%/config.json
	rm -rf logs/export/$*_int8
	$(PYTHON) -m redheart_lit.export ckpt=$(BENCH_TRAIN_DIR)/$*/checkpoints/last.ckpt out=logs/export/$*_int8 format=onnx quantize=int8

# serve.backend=ray with one replica: the micro-batcher vs @serve.batch side by side in one
# Ray cluster (docs/serving.md, "Ray Serve"); needs the [ray] extra. About 2-3 minutes.
bench-ray: logs/export/tiny/config.json  ## Ray Serve backend: micro-batcher vs @serve.batch (1 replica, tiny model); docs/bench/ray_batching.json and docs/serving.md.
	$(PYTHON) benchmarks/ray_batching.py logs/export/tiny --out docs/bench/ray_batching.json \
		--doc docs/serving.md

bench-multimodal: logs/export/tiny/config.json  ## Per-modality CPU latency and the added cost of text+image+audio over text; docs/bench/multimodal.json.
	$(PYTHON) benchmarks/multimodal.py logs/export/tiny --out docs/bench/multimodal.json

# config.json is the last file export writes: its presence means the bundle is complete,
# and a complete bundle is never rebuilt. The checkpoint is trained only when missing.
logs/export/%/config.json:
	test -f $(BENCH_TRAIN_DIR)/$*/checkpoints/last.ckpt || \
		$(PYTHON) train.py $(BENCH_EXPERIMENT_$*) logger=none hydra.run.dir=$(BENCH_TRAIN_DIR)/$*
	rm -rf logs/export/$*
	$(PYTHON) -m redheart_lit.export ckpt=$(BENCH_TRAIN_DIR)/$*/checkpoints/last.ckpt out=logs/export/$*

bench-batching: $(addsuffix /config.json,$(BENCH_SERVE_BUNDLES))  ## Per-text model cost: single vs one padded call vs length buckets.
	$(PYTHON) benchmarks/model_batching.py $(BENCH_SERVE_BUNDLES)

# With CUDA: full_330m with trainer=8gb (memory, samples/s, MFU, ablations, serving) into
# docs/bench/gpu.json. Without: the same code on CPU with experiment=tiny (--tiny), into
# docs/bench/gpu_cpu_tiny.json; it measures no GPU figure. BENCH_GPU_ARGS adds options
# (e.g. --peak-tflops 989.4 for a card not in the script's table).
BENCH_GPU_ARGS ?=
bench-gpu:  ## GPU benchmark of full_330m (trainer=8gb) and serving; on a machine without CUDA a tiny CPU run.
	$(PYTHON) benchmarks/gpu.py $$($(PYTHON) -c "import torch; print('' if torch.cuda.is_available() else '--tiny')") $(BENCH_GPU_ARGS)

# The screenshots of docs/dashboards.md: the live server page (taken by the browser test,
# needs chromium + chromium-driver), the training figures of a tiny run, and TensorBoard's
# Images tab showing them (scripts/tensorboard_screenshot.py, chromium again).
DASHBOARD_IMG := docs/img/dashboards
dashboard-screenshots:  ## Screenshots of the dashboards for docs/dashboards.md (docs/img/dashboards/).
	rm -rf logs/dashboards/tiny
	REDHEART_DASHBOARD_SCREENSHOTS=$(DASHBOARD_IMG) $(PYTHON) -m pytest -p no:xdist -q \
		tests/serving/test_dashboard_browser.py
	$(PYTHON) train.py experiment=tiny logger=tensorboard print_config=false hydra.run.dir=logs/dashboards/tiny
	cp logs/dashboards/tiny/dashboards/test/*.png $(DASHBOARD_IMG)/
	$(PYTHON) scripts/tensorboard_screenshot.py logs/dashboards/tiny/tensorboard $(DASHBOARD_IMG)/tensorboard_images.png

clean:  ## Remove run outputs and caches.
	rm -rf logs outputs multirun .pytest_cache .ruff_cache .hypothesis
