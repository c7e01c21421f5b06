"""Code that runs inside an execution environment (the child process), never in the cloud.

Kept free of heavy imports: everything here adds to every cold start.
"""
