"""The JSON contract, one module per resource: request models carry every limit (from
`limits`), response models document the answers."""
