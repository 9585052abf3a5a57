"""platform/api"""
