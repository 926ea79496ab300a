"""modelvault: the Python SDK of the modelvault model registry.

>>> from modelvault import Registry
>>> reg = Registry()  # MODELVAULT_URL, MODELVAULT_TOKEN
"""
from .client import ONE_SHOT_MAX_BYTES, Registry
from .errors import ConflictError, DigestMismatchError, ModelvaultError, NotFoundError


def register_torch(*args, **kwargs):  # noqa: D401 - thin lazy wrapper
    """See :func:`modelvault.torch_support.register_torch` (imports torch when called)."""
    from .torch_support import register_torch as impl

    return impl(*args, **kwargs)



__version__ = "0.1.0"
__all__ = ["Registry", "register_torch", "ModelvaultError", "NotFoundError", "ConflictError",
           "DigestMismatchError", "ONE_SHOT_MAX_BYTES", "__version__"]
