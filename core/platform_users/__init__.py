"""platform_users"""
