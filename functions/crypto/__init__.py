"""Field-level envelope encryption for protected health information.

Layers, from the bottom:

- `envelope`: pure AES-256-GCM on one field, with the field's encryption context as AAD;
- `ports`: the key-provider and data-key-store ports, and the domain errors;
- `cache`: the bounded data-key cache that keeps KMS off the per-record path;
- `keyring`: data keys: create, wrap, store, unwrap, re-wrap under the current key;
- `sealer`: what repositories use: seal and open a record's protected fields;
- `kms` and `local_keys`: the key-provider adapters; `adapters`: the data_keys table;
- `cli`: re-wrap stored data keys, rotate the local key-encryption key.
"""
