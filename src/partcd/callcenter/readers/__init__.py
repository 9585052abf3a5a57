"""callcenter/readers"""
