"""Village affairs in the open (村务、党务、财务公开, 事前公示, 结果公示) and the power list.

``domain.py`` declares who may do what, the village page's sections, how the
audit log re-derives published versions, the API's OpenAPI paths and the
search source of public versions.
"""
