"""The network a function attached to a VPC sits in, and what its code can reach from there.

Split so that the rules can be read and tested without HTTP or moto:

- :mod:`hosts`: which AWS service and region an SDK request's host names;
- :mod:`model`: a plain snapshot of one VPC (subnets, routes, gateways, endpoints, groups);
- :mod:`ec2_state`: reads that snapshot from moto's EC2 state;
- :mod:`rules`: AWS's rules, deciding reachable or not with a sentence saying why;
- :mod:`placements`: which function and subnet an execution environment's token stands for.
"""
