"""aws_elasticsearch_domain: priced exactly like aws_opensearch_domain (same AmazonES products)."""

from __future__ import annotations

from typing import ClassVar

from finguard.pricing.resources.aws.aws_opensearch_domain import AwsOpensearchDomain


class AwsElasticsearchDomain(AwsOpensearchDomain):
    resource_types: ClassVar[tuple[str, ...]] = ("aws_elasticsearch_domain",)
    default_instance_type: ClassVar[str] = "m4.large.elasticsearch"
