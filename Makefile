# kubectl-netdoctor — the targets a newcomer and CI use.
SHELL := /usr/bin/env bash
GO ?= go
BIN := bin/kubectl-netdoctor

.PHONY: build test unit envtest vet lint-workflows fuzz bench demo release-smoke clean

build: ## Build the plugin binary into bin/
	$(GO) build -o $(BIN) ./cmd/kubectl-netdoctor

envtest: ## Build kube-apiserver, etcd and kube-controller-manager from Go modules (idempotent)
	@hack/envtest.sh >/dev/null

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

lint-workflows: ## actionlint on .github/workflows (built from hack/lint at its pinned version, cached in bin/)
	@hack/actionlint.sh

unit: ## Fast tests without a control plane
	$(GO) test ./pkg/...

test: vet lint-workflows ## Every test, against a real API server (builds it first if missing)
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" $(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory fuzz

# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can report a
# spurious "context deadline exceeded" at the deadline on a loaded machine (no crasher;
# golang/go#75804, fixed in Go 1.27). 30000 inputs take a few seconds per target.
FUZZTIME ?= 30000x
fuzz: ## Bounded fuzzing of the parsers and the policy engine
	@for target in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' pkg | sed 's/^func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$target\(" --include='*_test.go' pkg | head -1 | xargs dirname); \
		echo "fuzz $$target in ./$$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; \
	done

bench: ## Benchmarks: in memory (go test -bench ./pkg/...), then a 10,000-pod envtest cluster beside the floor, Popeye and kubectl get -> docs/performance.md
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh --with-kubectl)" $(GO) run ./hack/bench -write docs/performance.md $(BENCHFLAGS)

demo: ## Diagnose examples/shop on a real API server (envtest), print the output, stop it (WAIT=1 keeps it up)
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" $(GO) run ./hack/demo $(if $(WAIT),-wait)

release-smoke: ## goreleaser snapshot -> local krew index -> krew install/upgrade/uninstall
	hack/release-smoke.sh

clean:
	rm -rf bin/kubectl-netdoctor dist/
