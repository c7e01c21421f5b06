"""Lambda's quotas that the data plane enforces.

https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
"""

SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024  # 6291456: request and response, RequestResponse
ASYNC_PAYLOAD_BYTES = 1024 * 1024  # 1048576 since October 2025 (was 256 KB)
CLIENT_CONTEXT_BYTES = 3583
INIT_TIMEOUT_S = 10.0  # the init phase of an on-demand function
LOG_TAIL_BYTES = 4096  # LogType=Tail
