# kubectl-netdoctor — the targets a newcomer and CI use.
SHELL := /usr/bin/env bash
GO ?= go
BIN := bin/kubectl-netdoctor

.PHONY: build test unit envtest vet fuzz bench demo clean

build: ## Build the plugin binary into bin/
	$(GO) build -o $(BIN) ./cmd/kubectl-netdoctor

envtest: ## Build kube-apiserver and etcd from Go modules (idempotent)
	@hack/envtest.sh >/dev/null

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

unit: ## Fast tests without a control plane
	$(GO) test ./pkg/...

test: vet ## Every test, against a real API server (builds it first if missing)
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" $(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory fuzz

FUZZTIME ?= 10s
fuzz: ## Bounded fuzzing of the parsers and the policy engine
	@for target in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' pkg | sed 's/^func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$target\(" --include='*_test.go' pkg | head -1 | xargs dirname); \
		echo "fuzz $$target in ./$$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; \
	done

bench: ## Benchmarks (policy engine, large synthetic clusters)
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" $(GO) test -run '^$$' -bench . -benchtime 3x ./...

clean:
	rm -rf bin/kubectl-netdoctor dist/
