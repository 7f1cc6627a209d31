// Stand-in for the optional native module cbor-extract (see tests/interop/README.md).
// cbor-x loads it inside try/catch and falls back to its pure-JS decoder when it throws.
throw new Error('cbor-extract is stubbed out in mdlgate interop tests');
