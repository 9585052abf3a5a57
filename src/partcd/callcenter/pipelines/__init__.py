"""callcenter/pipelines"""
