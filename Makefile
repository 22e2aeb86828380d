# The two commands of the README. Everything else is in scripts/.
.PHONY: dev test bench bootstrap tenant-check tenant-setup mutants

dev: ## Run the whole product offline: DynamoDB, bi-local, the functions, the site
	@scripts/dev.sh

test: ## Everything CI runs: format, lints, unit, function, hostile-provider and browser tests
	@scripts/test.sh

bench: ## Measure the functions beside the DynamoDB floor and NextAuth (minutes; not part of test); writes docs/BENCHMARKS.md
	@scripts/bench.sh

bootstrap: ## Install what the other commands need (run by them anyway)
	@scripts/bootstrap.sh

tenant-check: ## Check the real Beyond Identity tenant in .env: a checklist with the fix for each problem
	@cargo run --quiet -p passkey-auth-operator -- tenant check

tenant-setup: ## Create the application and authenticator config in the realm of .env, and write their values into .env
	@cargo run --quiet -p passkey-auth-operator -- tenant setup

mutants: ## Mutation testing of the security core (slow; FILE=path, SHARD=k/n, JOBS=2); writes docs/MUTATION.md
	@FILE="$(FILE)" SHARD="$(SHARD)" JOBS="$(JOBS)" scripts/mutants.sh
