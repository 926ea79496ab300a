# Runs the signature-verification example of docs/operations.md ("Webhooks"): extracts the
# ```python block between the verify-example markers and returns its verify() function.
import re


def load_verify(operations_md):
    text = open(operations_md, encoding="utf-8").read()
    m = re.search(r"<!-- webhook-verify-example -->\s*```python\n(.*?)```", text, re.S)
    if not m:
        raise SystemExit("docs/operations.md has no webhook-verify-example python block")
    code = m.group(1)
    if len(code.strip().splitlines()) > 12:
        raise SystemExit("the verification example should stay about 10 lines")
    scope = {}
    exec(compile(code, "docs/operations.md", "exec"), scope)
    return scope["verify"]
