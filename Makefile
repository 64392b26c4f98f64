# The two commands a new user needs: `make demo` and `make test`.
.PHONY: demo test build

demo:
	scripts/demo.sh

test:
	scripts/test.sh

build:
	swift build
