"""Solutions to the exercises of notebook 06 (try them yourself first)."""

import os


# Exercise 1: change one variable, keep the others.
def set_env_var(lam, function_name, key, value):
    config = lam.get_function_configuration(FunctionName=function_name)
    variables = dict(config.get("Environment", {}).get("Variables", {}))  # none: no field
    variables[key] = value
    lam.update_function_configuration(FunctionName=function_name,
                                      Environment={"Variables": variables})  # the whole map
    lam.get_waiter("function_updated_v2").wait(FunctionName=function_name)  # applied
    return variables


# Exercise 2: a clear failure when the table is not configured. It runs inside
# labs/06_own_environment/invoked/split.py, which imports os.
def table_name():
    name = os.environ.get("TABLE_NAME")
    if not name:  # missing, or set to ""
        function = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        raise RuntimeError(f"TABLE_NAME is not set in the configuration of {function}: "
                           f"add it to this function's Environment")
    return name


# Exercise 3: the signing key from Parameter Store. split.py calls it once, at init.
def signing_key():
    import boto3

    name = os.environ["SIGNING_KEY_PARAMETER"]
    parameter = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)
    return parameter["Parameter"]["Value"].encode()
