"""Every internal of moto, botocore and awslambdaric that the cloud relies on, in one list.

The cloud wraps moto's backends and models, replaces a method of awslambdaric's runtime
client and reads private fields of botocore. None of that is public API: an upgrade may
rename, move or re-sign any of it, and the cloud would then break far from the cause.
:data:`INTERNALS` names each one with what the cloud assumes of it (kind, parameter names,
text its source must hold); :func:`problems` checks them all, so that an upgrade fails in
one place (``tests/test_upgrade_guard.py``) with the complete list of what moved.

The checks only import and inspect upstream code; nothing here imports moto at import
time, and nothing here is used by the cloud at run time.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

Kind = Literal["module", "class", "function", "method", "classmethod", "staticmethod",
               "property", "attribute", "instance_attribute"]
MORE = "..."  # last in ``params``: the callable may take more parameters after these


@dataclass(frozen=True)
class Internal:
    """One upstream name the cloud relies on, and what it assumes of it.

    ``params`` are the parameter names (without ``self``/``cls``) of a callable we wrap,
    replace, or call positionally, in order; :data:`MORE` last allows further ones.
    ``keywords`` are names we pass or read by keyword, anywhere in the signature.
    ``mentions`` is text the object's source must contain: a contract (an environ key, a
    call into a module we provide) that no signature shows.
    """

    module: str
    qualname: str  # "" for the module itself
    kind: Kind
    use: str  # what the cloud uses it for, in a few words
    params: tuple[str, ...] | None = None
    keywords: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    optional: bool = False  # the module may be missing (awslambdaric's native client: Linux)

    @property
    def name(self) -> str:
        return f"{self.module}.{self.qualname}" if self.qualname else self.module


def _fields(module: str, owner: str, names: str, use: str) -> list[Internal]:
    """Instance attributes of ``owner`` (space-separated ``names``) read for one purpose."""
    return [Internal(module, f"{owner}.{name}", "instance_attribute", use)
            for name in names.split()]


LAMBDA = "moto.awslambda.models"
LAMBDA_ERRORS = "moto.awslambda.exceptions"
STACKS = "moto.cloudformation.models"
PARSING = "moto.cloudformation.parsing"
CFN_MODEL = "moto.core.common_models"
EC2 = "moto.ec2.models"
EC2_ERRORS = "moto.ec2.exceptions"
IAM = "moto.iam.models"
ACCESS = "moto.iam.access_control"
LOGS = "moto.logs.models"
SERVER = "moto.moto_server.werkzeug_app"
RIC = "awslambdaric.lambda_runtime_client"
CFN_CREATE = ("resource_name", "cloudformation_json", "account_id", "region_name", "kwargs")
CFN_DELETE = ("resource_name", "cloudformation_json", "account_id", "region_name")
SG_RULE = ("group_name_or_id", "ip_protocol", "from_port", "to_port", "ip_ranges",
           "source_groups", "prefix_list_ids", "vpc_id")

INTERNALS: tuple[Internal, ...] = (
    # --- moto: Lambda ---------------------------------------------------------------------
    Internal(LAMBDA, "lambda_backends", "attribute", "find a Lambda backend by account, region"),
    Internal(LAMBDA, "LambdaBackend", "class", "wrap Lambda's control plane"),
    Internal(LAMBDA, "LambdaBackend.create_function", "method", "wrap: checks, Pending state",
             ("spec",)),
    Internal(LAMBDA, "LambdaBackend.update_function_configuration", "method",
             "wrap: checks, VPC update state, retire warm environments",
             ("function_name", "qualifier", "body")),
    Internal(LAMBDA, "LambdaBackend.update_function_code", "method",
             "wrap: zip check, retire warm environments", ("function_name", "qualifier", "body")),
    Internal(LAMBDA, "LambdaBackend.publish_version", "method",
             "wrap: refuse while Pending, keep the DLQ; AWS::Lambda::Version",
             ("function_name", "description")),
    Internal(LAMBDA, "LambdaBackend.delete_function", "method",
             "wrap: retire environments, forget owned state",
             ("function_name", "qualifier")),
    Internal(LAMBDA, "LambdaBackend.put_function_concurrency", "method",
             "wrap: keep 100 units unreserved", ("function_name", "reserved_concurrency")),
    Internal(LAMBDA, "LambdaBackend.create_event_source_mapping", "method",
             "wrap: the role may poll the source", ("spec",)),
    Internal(LAMBDA, "LambdaBackend.get_function", "method", "look a function up",
             ("function_name_or_arn", "qualifier")),
    Internal(LAMBDA, "LambdaBackend.create_alias", "method", "AWS::Lambda::Alias",
             ("name", "function_name", "function_version", "description", "routing_config")),
    Internal(LAMBDA, "LambdaBackend.update_alias", "method", "AWS::Lambda::Alias updates",
             ("name", "function_name", "function_version", "description", "routing_config")),
    Internal(LAMBDA, "LambdaBackend.delete_alias", "method", "AWS::Lambda::Alias deletion",
             ("name", "function_name")),
    *_fields(LAMBDA, "LambdaBackend", "_lambdas account_id region_name",
             "reach the function storage; the backend's account and region"),
    Internal(LAMBDA, "LambdaStorage", "class", "functions with their versions",
             mentions=('"latest"', '"versions"')),
    Internal(LAMBDA, "LambdaStorage._get_latest", "method", "a function's $LATEST", ("name",)),
    Internal(LAMBDA, "LambdaStorage.get_function_by_name_or_arn_with_qualifier", "method",
             "the version or alias an Invoke targets", ("name_or_arn", "qualifier")),
    Internal(LAMBDA, "LambdaStorage.latest", "method", "reserved concurrency of all functions",
             ()),
    *_fields(LAMBDA, "LambdaStorage", "_functions",
             "count functions and code size (GetAccountSettings)"),
    Internal(LAMBDA, "LambdaFunction", "class", "the function an Invoke runs"),
    Internal(LAMBDA, "LambdaFunction.get_configuration", "method",
             "wrap: add DeadLetterConfig, VpcId, State", ("on_create",)),
    Internal(LAMBDA, "LambdaFunction.invoke", "method",
             "wrap: other services' invocations run the real handler",
             ("body", "request_headers", "response_headers")),
    *_fields(LAMBDA, "LambdaFunction",
             "function_name function_arn version handler run_time timeout memory_size "
             "environment_vars code_sha_256 code_size code_bytes role _vpc_config region "
             "account_id partition reserved_concurrency ephemeral_storage",
             "snapshot a function's configuration and code at invoke"),
    Internal("moto.sts.models", "sts_backends", "attribute", "an environment's role session"),
    Internal("moto.sts.models", "STSBackend.assume_role", "method",
             "an environment's role session", keywords=(
                 "region_name", "role_session_name", "role_arn", "policy", "duration",
                 "external_id")),
    *_fields("moto.sts.models", "STSBackend", "assumed_roles",
             "end an environment's role session"),
    *_fields("moto.sts.models", "AssumedRole",
             "access_key_id secret_access_key session_token account_id partition",
             "an environment's role session"),
    *_fields("moto.iam.models", "IAMBackend", "access_keys", "end a role session's key"),
    Internal("moto.s3.models", "s3_backends", "attribute", "read S3 code at create"),
    Internal("moto.s3.models", "S3Backend.get_object", "method",
             "read S3 code at create (None: no such key)", ("bucket_name", "key_name", MORE),
             keywords=("version_id",)),
    Internal("moto.s3.models", "FakeKey.value", "property", "the bytes of S3 code"),
    Internal("moto.s3.exceptions", "MissingBucket", "class", "S3 code in no bucket"),
    *_fields(LAMBDA, "LambdaAlias", "arn", "an alias's Ref in a stack"),
    Internal(LAMBDA_ERRORS, "LambdaClientError", "class", "Lambda's errors, as a 409 conflict",
             ("error", "message")),
    *_fields(LAMBDA_ERRORS, "LambdaClientError", "code message",
             "HTTP status and message of moto's Lambda errors"),
    Internal(LAMBDA_ERRORS, "InvalidParameterValueException", "class", "Lambda's refusals",
             ("message",)),
    Internal(LAMBDA_ERRORS, "PreconditionFailedException", "class",
             "a stale RevisionId (HTTP 412)", ("message",)),
    Internal(LAMBDA_ERRORS, "ValidationException", "class", "VpcConfig validation errors",
             ("value", "property_name", "specific_message")),
    # --- moto: CloudFormation -------------------------------------------------------------
    Internal(STACKS, "Stack", "class", "roll a refused stack back"),
    *[Internal(STACKS, f"CloudFormationBackend.{method}", "method",
               "wrap: refuse a template whose resources cannot be ordered", keywords=("template",))
      for method in ("create_stack", "update_stack", "create_change_set")],
    Internal("moto.cloudformation.exceptions", "ValidationError", "class",
             "CloudFormation's ValidationError", ("name_or_id", "message")),
    Internal(STACKS, "Stack.create_resources", "method", "wrap: roll back on a refusal", ()),
    Internal(STACKS, "Stack.verify_readiness", "method", "wrap: roll back on a refusal", ()),
    Internal(STACKS, "Stack._add_stack_event", "method", "write the rollback's events",
             ("resource_status", MORE), keywords=("resource_status_reason",)),
    Internal(STACKS, "Stack.stack_resources", "property", "replaced: skip resources never created"),
    *_fields(STACKS, "Stack", "status resource_map output_map stack_id",
             "roll a refused stack back"),
    Internal(PARSING, "clean_json", "function", "replaced: Fn::GetAZs of the stack's region",
             ("resource_json", "resources_map")),
    Internal(PARSING, "get_model_map", "function", "replaced: add our resource types", ()),
    Internal(PARSING, "parse_and_create_resource", "function",
             "tell a created resource from a placeholder", mentions=("logical_resource_id",)),
    Internal(PARSING, "parse_resource", "function",
             "resolves properties through the clean_json we replace",
             mentions=("clean_json(resource_json, resources_map)",)),
    Internal(PARSING, "ResourceMap", "class", "evaluate conditions at stack updates"),
    Internal(PARSING, "ResourceMap.build_resource_diff", "method",
             "wrap: ignore the empty Properties moto adds", ("other_template", "parameters")),
    Internal(PARSING, "ResourceMap.update", "method", "wrap: create/delete by condition",
             ("template", "parameters")),
    Internal(PARSING, "ResourceMap.delete", "method", "delete a rolled-back stack's resources",
             ()),
    Internal(PARSING, "ResourceMap._delete_resource", "method",
             "wrap: delete EC2 network resources; delete by condition",
             ("parsed_resource", "resource_json")),
    Internal(PARSING, "ResourceMap.__getitem__", "method", "create a resource when first read",
             ("key",)),
    Internal(PARSING, "ResourceMap.lazy_condition_map", "instance_attribute",
             "which conditions hold now"),
    *_fields(PARSING, "ResourceMap", "_region_name _account_id _resource_json_map "
             "_parsed_resources", "a stack's region, account, template and created resources"),
    Internal(PARSING, "OutputMap", "class", "a rolled-back stack's empty outputs",
             ("resources", "template", "stack_id")),
    Internal(CFN_MODEL, "CloudFormationModel", "class",
             "base of, or interface mimicked by, our resource types"),
    Internal(CFN_MODEL, "CloudFormationModel.create_from_cloudformation_json", "classmethod",
             "our resource types' creation", CFN_CREATE),
    Internal(CFN_MODEL, "CloudFormationModel.update_from_cloudformation_json", "classmethod",
             "our resource types' updates",
             ("original_resource", "new_resource_name", "cloudformation_json", "account_id",
              "region_name")),
    Internal(CFN_MODEL, "CloudFormationModel.delete_from_cloudformation_json", "classmethod",
             "our resource types' deletion", CFN_DELETE),
    Internal(CFN_MODEL, "CloudFormationModel.cloudformation_type", "staticmethod",
             "our resource types' names", ()),
    Internal(CFN_MODEL, "CloudFormationModel.cloudformation_name_type", "staticmethod",
             "our resource types' name property", ()),
    Internal(CFN_MODEL, "CloudFormationModel.has_cfn_attr", "classmethod",
             "our resource types' Fn::GetAtt", ("attr",)),
    Internal(CFN_MODEL, "CloudFormationModel.is_created", "method",
             "our resource types are created at once", ()),
    Internal("moto.core.exceptions", "JsonRESTError", "class", "a service refused a resource"),
    Internal("moto.core.exceptions", "ServiceException", "class", "a service refused a resource"),
    *_fields("moto.core.exceptions", "JsonRESTError", "message", "the rollback event's reason"),
    *_fields("moto.core.exceptions", "ServiceException", "message", "the rollback event's reason"),
    # --- moto: EC2 ------------------------------------------------------------------------
    Internal(EC2, "ec2_backends", "attribute", "find an EC2 backend by account, region"),
    Internal(EC2, "EC2Backend", "class", "wrap endpoint and security group creation"),
    Internal(EC2, "EC2Backend.create_vpc_endpoint", "method",
             "wrap: AWS's checks and DNS names",
             keywords=("vpc_id", "service_name", "endpoint_type", "security_group_ids",
                       "subnet_ids", "private_dns_enabled")),
    Internal(EC2, "EC2Backend.modify_vpc_endpoint", "method", "wrap: DNS names follow subnets",
             ("vpc_id", MORE)),
    Internal(EC2, "EC2Backend.create_security_group", "method",
             "wrap: a default group admits itself", keywords=("is_default",)),
    Internal(EC2, "EC2Backend.describe_availability_zones", "method", "Fn::GetAZs"),
    Internal(EC2, "EC2Backend.delete_route", "method", "delete a stack's route",
             ("route_table_id", "destination_cidr_block", MORE)),
    Internal(EC2, "EC2Backend.disassociate_route_table", "method", "delete a stack's association",
             ("association_id",)),
    Internal(EC2, "EC2Backend.delete_route_table", "method", "delete a stack's route table",
             ("route_table_id",)),
    Internal(EC2, "EC2Backend.detach_internet_gateway", "method", "delete a stack's attachment",
             ("internet_gateway_id", "vpc_id")),
    Internal(EC2, "EC2Backend.delete_internet_gateway", "method", "delete a stack's gateway",
             ("internet_gateway_id",)),
    Internal(EC2, "EC2Backend.delete_nat_gateway", "method", "delete a stack's NAT gateway",
             ("nat_gateway_id",)),
    Internal(EC2, "EC2Backend.release_address", "method", "delete a stack's Elastic IP",
             keywords=("allocation_id",)),
    Internal(EC2, "EC2Backend.delete_vpc_endpoints", "method", "delete a stack's endpoint",
             ("vpce_ids",)),
    Internal(EC2, "EC2Backend.associate_route_table", "method", "a stack's subnet association",
             ("route_table_id", MORE), keywords=("subnet_id",)),
    Internal(EC2, "EC2Backend.authorize_security_group_ingress", "method",
             "a template's rules; a default group admits itself", keywords=SG_RULE),
    Internal(EC2, "EC2Backend.authorize_security_group_egress", "method", "a template's rules",
             keywords=SG_RULE),
    Internal(EC2, "EC2Backend.get_security_group_from_id", "method", "check a group exists",
             ("group_id",)),
    Internal(EC2, "EC2Backend.get_security_group_from_name", "method", "a VPC's default group",
             ("name", MORE), keywords=("vpc_id",)),
    Internal(EC2, "EC2Backend.get_vpc", "method", "check a VPC's DNS attributes", ("vpc_id",)),
    Internal(EC2, "EC2Backend.get_subnet", "method", "a subnet's zone", ("subnet_id",)),
    Internal(EC2, "EC2Backend.get_vpc_end_point", "method", "an endpoint being modified",
             ("vpc_end_point_id",)),
    *_fields(EC2, "EC2Backend", "vpcs route_tables subnets groups nat_gateways "
             "internet_gateways vpc_end_points configurations region_name account_id",
             "read a VPC's network at every request of a function in it"),
    Internal("moto.ec2.models.vpcs", "AWS_ENDPOINT_SERVICES", "attribute",
             "endpoint services that exist"),
    Internal("moto.ec2.models.vpcs", "COVERED_ENDPOINT_SERVICES", "attribute",
             "endpoint services that exist"),
    Internal("moto.ec2.models.vpcs", "VPC.create_from_cloudformation_json", "classmethod",
             "replaced: apply EnableDns* of a template", CFN_CREATE),
    *_fields("moto.ec2.models.vpcs", "VPC", "id cidr_block enable_dns_support "
             "enable_dns_hostnames", "a VPC's network and DNS attributes"),
    *_fields("moto.ec2.models.vpcs", "VPCEndPoint",
             "id vpc_id service_name vpc_endpoint_type state subnet_ids security_group_ids "
             "route_table_ids private_dns_enabled dns_entries destination_prefix_list_id",
             "an endpoint's network and DNS names"),
    Internal("moto.ec2.models.security_groups", "SecurityGroup.create_from_cloudformation_json",
             "classmethod", "replaced: apply a template's rules", CFN_CREATE),
    *_fields("moto.ec2.models.security_groups", "SecurityGroup",
             "id vpc_id is_default ingress_rules egress_rules", "a group's rules"),
    *_fields("moto.ec2.models.security_groups", "SecurityGroupRule",
             "ip_protocol from_port to_port ip_range source_group prefix_list_id",
             "one rule of a group"),
    Internal("moto.ec2.models.subnets", "SubnetRouteTableAssociation."
             "create_from_cloudformation_json", "classmethod",
             "replaced: associate the route table", CFN_CREATE),
    *_fields("moto.ec2.models.subnets", "SubnetRouteTableAssociation", "route_table_id subnet_id",
             "a stack's association"),
    *_fields("moto.ec2.models.subnets", "Subnet", "id cidr_block availability_zone vpc_id",
             "a subnet's VPC and zone"),
    *_fields("moto.ec2.models.route_tables", "RouteTable",
             "id vpc_id main_association_id _associations _routes",
             "which table a subnet uses, and its default route"),
    *_fields("moto.ec2.models.route_tables", "Route",
             "route_table destination_cidr_block nat_gateway gateway gateway_id "
             "transit_gateway_id vpc_peering_connection_id network_interface_id instance_id",
             "where a default route leads"),
    *_fields("moto.ec2.models.nat_gateways", "NatGateway",
             "id state subnet_id vpc_id connectivity_type", "a NAT gateway's place and state"),
    *_fields("moto.ec2.models.internet_gateways", "InternetGateway", "id vpc",
             "an internet gateway's VPC"),
    *_fields("moto.ec2.models.elastic_ip_addresses", "ElasticAddress", "allocation_id",
             "release a stack's Elastic IP"),
    *_fields("moto.ec2.models.vpn_gateway", "VPCGatewayAttachment", "gateway_id vpc_id",
             "detach a stack's gateway"),
    *_fields("moto.ec2.models.availability_zones_and_regions", "Zone", "name", "Fn::GetAZs"),
    *_fields("moto.ec2.models.vpc_service_configuration", "VPCServiceConfiguration",
             "service_name", "an account's own endpoint services"),
    Internal("moto.ec2.responses.vpcs", "VPCs.modify_vpc_endpoint", "method",
             "wrap: apply PrivateDnsEnabled", ()),
    Internal("moto.ec2.responses.vpcs", "VPCs._get_param", "method", "read a request parameter",
             ("param_name", MORE)),
    Internal("moto.ec2.responses.vpcs", "VPCs.ec2_backend", "property", "the request's backend"),
    Internal(EC2_ERRORS, "EC2ClientError", "class", "EC2's refusals; tell NotFound apart"),
    Internal(EC2_ERRORS, "InvalidServiceName", "class", "refuse an unknown endpoint service",
             ("service_name",)),
    Internal(EC2_ERRORS, "InvalidSecurityGroupNotFoundError", "class", "refuse a missing group",
             ("name",)),
    # --- moto: IAM and request signatures -------------------------------------------------
    Internal(IAM, "iam_backends", "attribute", "find an IAM backend by account, partition"),
    Internal(IAM, "IAMBackend._init_aws_policies", "method",
             "wrap: AWS managed policies of one partition", ()),
    Internal(IAM, "IAMBackend.attach_role_policy", "method", "a template's ManagedPolicyArns",
             ("policy_arn", "role_name")),
    Internal(IAM, "IAMBackend.detach_role_policy", "method", "detach them at stack deletion",
             ("policy_arn", "role_name")),
    Internal(IAM, "IAMBackend.get_role_by_arn", "method", "a function's execution role",
             ("arn",)),
    *_fields(IAM, "IAMBackend", "roles region_name account_id",
             "roles, and the partition an IAM backend stands for"),
    Internal(IAM, "Role.create_from_cloudformation_json", "classmethod",
             "replaced: attach ManagedPolicyArns", CFN_CREATE),
    Internal(IAM, "Role.delete_from_cloudformation_json", "classmethod",
             "replaced: detach them first", CFN_DELETE),
    *_fields(IAM, "Role", "name partition policies managed_policies",
             "a role's policies (VPC permission check)"),
    Internal(IAM, "ManagedPolicy", "class", "AWS managed policies"),
    *_fields(IAM, "ManagedPolicy", "versions", "a policy's default version"),
    *_fields(IAM, "PolicyVersion", "is_default document", "a policy's default document"),
    Internal(IAM, "AWSManagedPolicy.from_data", "classmethod", "load AWS managed policies",
             ("name", "account_id", "region_name", "data")),
    Internal("moto.iam.aws_managed_policies", "aws_managed_policies_data", "attribute",
             "the AWS managed policy catalogue"),
    Internal(ACCESS, "IAMRequestBase", "class",
             "verify SigV4 signatures; its __init__ is skipped and its fields set directly, so "
             "a change here may mean check_signature reads other fields",
             ("account_id", "method", "path", "data", "body", "headers", "action")),
    Internal(ACCESS, "IAMRequestBase.check_signature", "method", "verify a request's signature",
             ()),
    Internal(ACCESS, "IAMRequestBase._calculate_signature", "method",
             "asks our stand-in access key for its credentials",
             mentions=("self._access_key.create_credentials()",)),
    Internal(ACCESS, "IAMRequestBase._create_auth", "method", "overridden: the signer",
             ("credentials",)),
    Internal(ACCESS, "IAMRequestBase._raise_signature_does_not_match", "method",
             "overridden: refuse a bad signature", ()),
    Internal(ACCESS, "IAMRequestBase._raise_invalid_access_key", "method",
             "overridden: refuse an unknown key", ("reason",)),
    Internal(ACCESS, "IAMRequestBase._raise_access_denied", "method", "overridden: unused", ()),
    *_fields(ACCESS, "IAMRequestBase", "_method _path _body _data _headers _service _region "
             "_access_key", "set by hand: what check_signature reads"),
    Internal(ACCESS, "create_access_key", "function", "IAM users' and STS credentials",
             ("account_id", "partition", "access_key_id", "headers")),
    Internal(ACCESS, "CreateAccessKeyFailure", "class", "an access key IAM does not know"),
    Internal(ACCESS, "IAMPolicy", "class", "evaluate a role's policy", ("policy",)),
    Internal(ACCESS, "IAMPolicy.is_action_permitted", "method",
             "match a policy's statements to an action and resource", ("action", "resource",
                                                                      MORE)),
    *_fields("moto.iam.models", "ManagedPolicy", "versions",
             "an attached managed policy's versions, to read the default one"),
    *_fields("moto.iam.models", "PolicyVersion", "document is_default",
             "a managed policy version's document, and whether it is the default"),
    Internal("moto.iam.exceptions", "NotFoundException", "class", "a role that is gone"),
    Internal("moto.s3.responses", "S3Response.subdomain_based_buckets", "staticmethod",
             "whether moto reads the bucket from the host, as IAM must", ("request",)),
    Internal("moto.s3.utils", "bucket_name_from_url", "function",
             "the bucket moto reads from a virtual-hosted URL", ("url",)),
    Internal(ACCESS, "PermissionResult", "class", "a policy's verdict"),
    *_fields("moto.awslambda.models", "LambdaFunction", "policy account_id",
             "a function's resource-based policy, for services that invoke it"),
    *_fields("moto.awslambda.policy", "Policy", "statements",
             "the statements AddPermission made, as IAM JSON"),
    Internal("moto.events.utils", "EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE",
             "attribute", "replaced: a target's event, with the account AWS puts in it"),
    Internal("moto.events.utils", "EventTemplateParser.DEFAULT_EVENT_INPUT_PATHS_MAP",
             "attribute", "fills <account> of that event from the event's account"),
    Internal("moto.sns.models", "Subscription.publish", "method",
             "wrapped: which subscription delivers a notification",
             ("message", "message_id", "subject", "message_attributes", MORE)),
    *_fields("moto.sns.models", "Subscription", "topic arn protocol",
             "the topic and subscription of an SNS event"),
    Internal("moto.awslambda.models", "LambdaBackend.send_sns_message", "method",
             "replaced: the event SNS sends a function", ("function_name", "message",
                                                          "subject", "qualifier")),
    Internal(ACCESS, "PermissionResult.DENIED", "attribute", "an explicit Deny matched"),
    Internal(ACCESS, "PermissionResult.PERMITTED", "attribute", "an Allow matched"),
    Internal(IAM, "IAMBackend.list_role_policies", "method", "a role's inline policies",
             ("role_name",)),
    Internal(IAM, "IAMBackend.get_role_policy", "method", "a role's inline policy",
             ("role_name", "policy_name")),
    Internal(IAM, "IAMBackend.list_attached_role_policies", "method",
             "a role's managed policies", ("role_name", MORE)),
    *_fields("moto.sts.models", "AssumedRole", "role_arn", "whose session signed a call"),
    Internal("moto.sts.models", "AssumedRole.arn", "property",
             "the session's ARN, as AccessDenied names it"),
    Internal(ACCESS, "IAMUserAccessKey.create_credentials", "method",
             "an IAM user's signing credentials", ()),
    Internal(ACCESS, "AssumedRoleAccessKey.create_credentials", "method",
             "STS credentials for signing", ()),
    Internal("moto.utilities.utils", "get_partition", "function", "a region's partition",
             ("region",)),
    # --- moto: CloudWatch Logs ------------------------------------------------------------
    Internal(LOGS, "logs_backends", "attribute", "write and read function logs"),
    Internal(LOGS, "LogsBackend.create_log_group", "method", "a function's log group",
             ("log_group_name", "tags", "kwargs")),
    *_fields(LOGS, "LogsBackend", "groups", "a function's log group"),
    Internal(LOGS, "LogGroup.create_log_stream", "method", "one stream per environment",
             ("log_stream_name",)),
    Internal(LOGS, "LogGroup.put_log_events", "method", "write log lines",
             ("log_stream_name", "log_events")),
    *_fields(LOGS, "LogGroup", "streams", "read and trim a function's logs"),
    *_fields(LOGS, "LogStream", "events stored_bytes", "trim a stream's oldest lines"),
    Internal(LOGS, "LogEvent.instances_tracked", "attribute",
             "replaced: log lines are kept once"),
    *_fields(LOGS, "LogEvent", "event_id timestamp message", "read a function's log lines"),
    Internal("moto.logs.exceptions", "ResourceAlreadyExistsException", "class",
             "a log group created meanwhile"),
    # --- moto: server plumbing ------------------------------------------------------------
    Internal("moto.moto_api._internal.models", "moto_api_backend.reset", "method",
             "a fresh cloud forgets all state", ()),
    Internal(SERVER, "DomainDispatcherApplication", "class",
             "moto's WSGI app; the gateway closes its /moto-api", ("create_app",),
             mentions=('"/moto-api"',)),
    Internal(SERVER, "create_backend_app", "function", "moto's per-service apps", ("service",)),
    Internal(SERVER, "MotoRequestHandler", "class", "subclassed: no access log"),
    Internal("moto.core.request", "Request.raw_path", "property",
             "moto routes by RAW_URI: the gateway rewrites it", mentions=("RAW_URI",)),
    Internal("werkzeug.serving", "WSGIRequestHandler.make_environ", "method",
             "the raw path a request was signed with", mentions=("RAW_URI", "REQUEST_URI")),
    # --- botocore -------------------------------------------------------------------------
    Internal("botocore.httpsession", "URLLib3Session.send", "method",
             "replaced in environments: route SDK calls", ("request",)),
    *_fields("botocore.httpsession", "URLLib3Session", "_timeout",
             "the client's connect timeout (unreachable hosts)"),
    *_fields("botocore.awsrequest", "AWSPreparedRequest", "url headers", "route a request"),
    *_fields("botocore.awsrequest", "AWSResponse", "headers", "the cloud's unreachable marker"),
    Internal("botocore.awsrequest", "AWSResponse.content", "property", "release the connection"),
    *_fields("botocore.exceptions", "BotoCoreError", "kwargs",
             "rebuild an error naming the AWS URL"),
    *_fields("botocore.config", "Config", "_user_provided_options",
             "the options a learner's Config sets (lab 03)"),
    Internal("botocore.configprovider", "BOTOCORE_DEFAUT_SESSION_VARIABLES", "attribute",
             "the default retry mode (lab 05)"),
    Internal("botocore.retries.standard", "DEFAULT_MAX_ATTEMPTS", "attribute",
             "standard mode's attempts (lab 05)"),
    Internal("botocore.utils", "get_environ_proxies", "function", "room check: proxies",
             ("url",)),
    Internal("botocore.auth", "SigV4Auth", "class", "verify SigV4 signatures",
             ("credentials", "service_name", "region_name")),
    Internal("botocore.auth", "S3SigV4Auth", "class", "verify S3's signatures",
             ("credentials", "service_name", "region_name")),
    Internal("botocore.credentials", "Credentials", "class", "credentials to verify with",
             ("access_key", "secret_key", "token", MORE)),
    *_fields("botocore.credentials", "Credentials", "token", "check the session token"),
    Internal("botocore.model", "ServiceModel.operation_model", "method",
             "Lambda's name constraints", ("operation_name",)),
    Internal("botocore.model", "OperationModel.input_shape", "property",
             "Lambda's name constraints"),
    Internal("botocore.model", "StructureShape.members", "property", "Lambda's name constraints"),
    Internal("botocore.model", "Shape.metadata", "property", "min, max, pattern of a name"),
    Internal("botocore.model", "StringShape.enum", "property", "LogType's values"),
    # --- awslambdaric ---------------------------------------------------------------------
    Internal("awslambdaric.__main__", "main", "function", "run the real bootstrap", ("args",)),
    Internal(RIC, "", "module", "imports whichever runtime_client we put in sys.modules",
             mentions=("import runtime_client", "runtime_client.initialize_client(")),
    Internal(RIC, "BaseLambdaRuntimeClient", "class",
             "calls our pure-Python runtime_client must answer",
             mentions=("runtime_client.next()", "runtime_client.post_invocation_result(",
                       "runtime_client.post_error(")),
    Internal(RIC, "BaseLambdaRuntimeClient.call_rapid", "method",
             "replaced: authenticate init errors",
             ("http_method", "endpoint", "expected_http_code", "payload", "headers")),
    *_fields(RIC, "BaseLambdaRuntimeClient", "lambda_runtime_address", "where to post them"),
    Internal(RIC, "to_json", "function", "serialize an init error", ("obj",)),
    Internal(RIC, "LambdaRuntimeClientError", "class", "a refused init error",
             ("endpoint", "response_code", "response_body")),
    *(Internal("runtime_client", name, "function", "the native Runtime API client we mirror",
               optional=True)
      for name in ("initialize_client", "next", "post_invocation_result", "post_error")),
    *(Internal(module, "", "module", "loaded by the template environment, before any "
               "environment's variables exist") for module in (
        "awslambdaric.lambda_config", "awslambdaric.lambda_context",
        "awslambdaric.lambda_literals", "awslambdaric.lambda_runtime_exception",
        "awslambdaric.lambda_runtime_hooks_runner", "awslambdaric.lambda_runtime_log_utils",
        "awslambdaric.lambda_runtime_marshaller")),
)


def _resolve(root: Any, path: list[str]) -> tuple[Any, str | None]:
    """Follow ``path`` from ``root``: (object, None), or (last owner found, missing name)."""
    obj = root
    for part in path:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return obj, part
    return obj, None


def _label(obj: Any) -> str:
    return getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)


def _from_lambdalab(obj: Any) -> bool:
    """Whether ``obj`` is the cloud's own replacement (a LocalCloud runs in this process)."""
    for candidate in (obj, getattr(obj, "__func__", None), getattr(obj, "fget", None)):
        module = getattr(candidate, "__module__", None) or ""
        if module.startswith("lambdalab."):
            return True
    return False


@functools.cache
def _module_tree(filename: str) -> ast.Module | None:
    """A module's syntax tree, parsed once for all the classes it defines."""
    try:
        with open(filename, encoding="utf-8") as source:
            return ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return None


def _class_node(cls: type) -> ast.ClassDef | None:
    """Where ``cls`` is defined in its module's source (None for a native class)."""
    try:
        filename = inspect.getsourcefile(cls)
    except TypeError:
        return None
    node: ast.AST | None = _module_tree(filename) if filename else None
    for name in cls.__qualname__.split("."):
        body = getattr(node, "body", [])
        node = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == name), None)
    return node if isinstance(node, ast.ClassDef) else None


@functools.cache
def _assigned_names(cls: type) -> frozenset[str]:
    """Names that ``cls`` or a base assigns as ``self.<name>`` in its source, or annotates.

    Instance attributes exist only on instances, and building a moto model takes a
    backend; the source is the cheap witness that the attribute is still set.
    """
    names: set[str] = set()
    for klass in cls.__mro__:
        names.update(getattr(klass, "__annotations__", {}))
        node = _class_node(klass)
        if node is None:
            continue
        names.update(n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
                     and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)
                     and n.value.id == "self")
    return frozenset(names)


def _kind_problem(entry: Internal, owner: Any, obj: Any, last: str) -> str | None:
    """Whether ``obj`` (``owner.last``) is still the kind of thing the entry says."""
    static = inspect.getattr_static(owner, last, None) if owner is not None else obj
    if entry.kind == "module":
        ok = isinstance(obj, ModuleType)
    elif entry.kind == "class":
        ok = isinstance(obj, type)
    elif entry.kind == "function":
        ok = callable(obj) and not isinstance(obj, type)
    elif entry.kind == "method":
        ok = inspect.isfunction(static) or inspect.ismethod(obj)
    elif entry.kind == "classmethod":
        ok = isinstance(static, classmethod)
    elif entry.kind == "staticmethod":
        ok = isinstance(static, staticmethod)
    elif entry.kind == "property":
        ok = hasattr(static, "__get__") and not isinstance(
            static, (classmethod, staticmethod)) and not inspect.isfunction(static)
    else:
        ok = True
    return None if ok else f"is a {type(static).__name__}, not a {entry.kind}"


def _params_problem(entry: Internal, obj: Any, drop_first: bool) -> str | None:
    """Whether the callable still takes the parameters our code assumes."""
    if entry.params is None and not entry.keywords:
        return None
    try:
        names = list(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return "has no signature to check"
    if drop_first and names:
        names = names[1:]
    if entry.params is not None:
        expected = [p for p in entry.params if p != MORE]
        more = bool(entry.params) and entry.params[-1] == MORE
        actual = names[:len(expected)] if more else names
        if actual != expected:
            shown = ", ".join(expected) + (", ..." if more else "")
            return f"takes ({', '.join(names)}), we assume ({shown})"
    missing = [k for k in entry.keywords if k not in names]
    if missing:
        return f"takes ({', '.join(names)}), without {', '.join(missing)}"
    return None


def problem(entry: Internal) -> str | None:
    """What moved about ``entry``, as one readable line, or None if it is as assumed."""
    where = f"{entry.name} ({entry.kind}, used to: {entry.use})"
    try:
        root: Any = importlib.import_module(entry.module)
    except ImportError as error:
        return None if entry.optional else f"{where}: cannot import {entry.module}: {error}"
    path = entry.qualname.split(".") if entry.qualname else []
    if entry.kind == "instance_attribute":
        owner, missing = _resolve(root, path[:-1])
        if missing is not None:
            return f"{where}: {_label(owner)} has no {missing!r}"
        if not isinstance(owner, type):
            return f"{where}: {_label(owner)} is not a class"
        if path[-1] in _assigned_names(owner) or hasattr(owner, path[-1]):
            return None
        return f"{where}: neither {owner.__name__} nor a base sets self.{path[-1]}"
    owner, _ = _resolve(root, path[:-1]) if path else (None, None)
    obj, missing = _resolve(root, path)
    if _from_lambdalab(owner) or _from_lambdalab(obj):  # a LocalCloud wrapped it: see tests
        return f"{where}: replaced by lambdalab (stop every LocalCloud before checking)"
    if missing is not None:
        return f"{where}: {_label(obj)} has no {missing!r}"
    found = (_kind_problem(entry, owner, obj, path[-1] if path else "")
             or _params_problem(entry, obj, entry.kind == "method" and isinstance(owner, type)))
    if found is not None:
        return f"{where}: {found}"
    if entry.mentions:
        try:
            source = inspect.getsource(getattr(obj, "fget", obj))
        except (OSError, TypeError):
            return f"{where}: its source cannot be read to check {', '.join(entry.mentions)}"
        absent = [text for text in entry.mentions if text not in source]
        if absent:
            return f"{where}: its source no longer contains {', '.join(map(repr, absent))}"
    return None


def problems(entries: Iterable[Internal] = INTERNALS) -> list[str]:
    """Every problem of ``entries``, in list order: all that moved, at once."""
    return [found for entry in entries if (found := problem(entry)) is not None]
