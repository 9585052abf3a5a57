"""appeals/pipelines"""
