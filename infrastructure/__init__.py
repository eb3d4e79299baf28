"""Deployment infrastructure: the CloudFormation merged into `chalice package` output."""
