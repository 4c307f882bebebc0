"""Deployable infrastructure for Talent CRM, synthesized from the app's own definitions.

- `infra.resources`: the resources Chalice does not know about (DynamoDB tables from the PynamoDB
  models, SQS queues with dead-letter queues, the SES configuration set and its SNS topic, secret
  parameters), as a template fragment for `chalice package --merge-template`.
- `infra.patch`: edits to the template Chalice generated that depend on what it generated
  (functions, roles, SQS event sources, log groups, the API stage).
- `infra.synth`: the command (`python -m infra.synth build/`) that runs both around
  `chalice package` and checks the result with cfn-lint.
"""
