"""Writes the variant of infra/template.yaml that moto's CloudFormation can deploy, as
JSON: moto has no AWS::ApiGatewayV2 or AWS::CloudFront resources, so those (and what
refers to them: the API permissions and the bucket policy) are left out, references to
them become a placeholder, and DistributionId points at a distribution made through
moto's CloudFront API, so that the deploy script's invalidation can run.

With --waf, the variant of infra/waf.yaml: moto has no AWS::WAFv2 resources in
CloudFormation, so the web ACL becomes a parameter in Parameter Store that holds its rate
limit, and WebAclArn a web ACL ARN named after the stack, so that the deploy script's
stack in us-east-1, its output and its removal can run.

Usage: moto_template.py DISTRIBUTION_ID > template.json
       moto_template.py --waf > waf.json
"""
import json
import pathlib
import sys

from cfnlint.decode import cfn_yaml

SUPPORTED = {"AWS::DynamoDB::Table", "AWS::Logs::LogGroup", "AWS::IAM::Role", "AWS::Lambda::Function", "AWS::S3::Bucket"}
PLACEHOLDER = "moto-cannot-emulate"


INFRA = pathlib.Path(__file__).resolve().parents[2] / "infra"


def waf():
    template = cfn_yaml.load(str(INFRA / "waf.yaml"))
    assert set(template["Resources"]) == {"WebAcl"}, "a resource of waf.yaml has no stand-in here"
    template["Resources"] = {
        "WebAcl": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": {"Fn::Sub": "/${AWS::StackName}/moto-web-acl-rate-limit"}, "Type": "String", "Value": {"Ref": "RateLimit"}},
        }
    }
    template["Outputs"]["WebAclArn"]["Value"] = {"Fn::Sub": "arn:${AWS::Partition}:wafv2:${AWS::Region}:${AWS::AccountId}:global/webacl/${AWS::StackName}/0123abcd-0000-4000-8000-000000000000"}
    json.dump(template, sys.stdout, indent=1, default=str)


def main():
    if sys.argv[1] == "--waf":
        return waf()
    distribution = sys.argv[1]
    template = cfn_yaml.load(str(INFRA / "template.yaml"))
    dropped = {name for name, r in template["Resources"].items() if r["Type"] not in SUPPORTED}
    template["Resources"] = {n: r for n, r in template["Resources"].items() if n not in dropped}

    def rewrite(node):
        if isinstance(node, dict):
            if set(node) == {"Ref"} and node["Ref"] in dropped:
                return PLACEHOLDER
            if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in dropped:
                return PLACEHOLDER
            if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
                text = node["Fn::Sub"]
                for name in dropped:
                    text = text.replace("${" + name + "}", PLACEHOLDER).replace("${" + name + ".DomainName}", PLACEHOLDER)
                return {"Fn::Sub": text}
            return {k: rewrite(v) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    template["Resources"] = rewrite(template["Resources"])
    template["Outputs"] = rewrite(template["Outputs"])
    template["Outputs"]["DistributionId"] = {"Value": distribution}
    json.dump(template, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main()
