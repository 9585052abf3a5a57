"""platform/web"""
