"""lambdalab: a local AWS cloud that really runs Lambda handlers.

moto serves every AWS API and keeps all state; lambdalab adds the Lambda data plane
(Invoke) that runs handler code in warm child processes with awslambdaric's bootstrap.

Imports are lazy so that an execution environment, which imports
``lambdalab.runtime``, does not pay for moto at every cold start.
"""

from typing import TYPE_CHECKING, Any

__all__ = ["LocalCloud", "DEFAULT_REGION"]
__version__ = "0.1.0"
DEFAULT_REGION = "ap-northeast-1"  # the region of the original article

if TYPE_CHECKING:
    from lambdalab.cloud import LocalCloud


def __getattr__(name: str) -> Any:
    if name == "LocalCloud":
        from lambdalab.cloud import LocalCloud

        return LocalCloud
    raise AttributeError(f"module 'lambdalab' has no attribute {name!r}")
