"""Solutions to the exercises of notebook 08 (try them yourself first)."""


# Exercise 1: read an AccessDenied message
def diagnose(message):
    principal = message.split("User: ", 1)[1].split(" ", 1)[0]
    role, function = principal.rsplit("/", 2)[-2:]  # ...:assumed-role/ROLE/SESSION
    action = message.split("to perform: ", 1)[1].split(" ", 1)[0]
    resource = message.split("on resource: ", 1)[1].split(" ", 1)[0].strip('"')  # S3 quotes
    explicit = "with an explicit deny" in message
    return {"role": role, "function": function, "action": action, "resource": resource,
            "refused_by": "explicit deny" if explicit else "no allow"}


# Exercise 2: least privilege for a call graph
def shipping_policy(region, account):
    functions = f"arn:aws:lambda:{region}:{account}:function:"
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction",
         "Resource": [functions + "rates", functions + "labels:prod"]},  # as each is called
        {"Effect": "Allow", "Action": "sqs:SendMessage",
         "Resource": f"arn:aws:sqs:{region}:{account}:shipping-failures"},
        {"Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/shipping:*"},
    ]}


# Exercise 3: fix the lab's template
bare_role_policies = """
- PolicyName: checkout-calls-pricing
  PolicyDocument:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow  # the alias's ARN: the checkout calls pricing through live
        Action: lambda:InvokeFunction
        Resource: !Ref PricingLive
      - Effect: Allow  # the checkout's own log group, named from the stack
        Action: [logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents]
        Resource: !Sub "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:\
log-group:/aws/lambda/${AWS::StackName}-checkout-wrong:*"
"""
