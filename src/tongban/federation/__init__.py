"""长三角一网通办: the federation of Tongban deployments (members) into one region (docs/domain/federation.md)."""
