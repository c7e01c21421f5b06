"""The Lambda data plane: Invoke, execution environments, logs. Everything else is moto."""
