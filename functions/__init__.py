"""DermaFollow runtime code: one package per capability, `shared` for the spine."""
