"""The I/O-free core: bytes and dicts in, typed answers and errors out.

No module here imports httpx: the facades (:mod:`llmclient._sync`, :mod:`llmclient._async`)
send, read and close around it.
"""
