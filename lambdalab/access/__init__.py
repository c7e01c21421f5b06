"""Who may use the cloud: credentials it issues, SigV4 checks, and AWS's refusals."""
