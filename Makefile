# The two commands of the README. Everything else is in scripts/.
.PHONY: dev test bootstrap

dev: ## Run the whole product offline: DynamoDB, bi-local, the functions, the site
	@scripts/dev.sh

test: ## Everything CI runs: format, lints, unit, function, hostile-provider and browser tests
	@scripts/test.sh

bootstrap: ## Install what the other commands need (run by them anyway)
	@scripts/bootstrap.sh
