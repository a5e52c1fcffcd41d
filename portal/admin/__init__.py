"""Admin pages for the administrative tree and the users."""


def setup(app):
    from portal.admin.views import workspace_panels
    from portal.home import workspace
    workspace.register(app, workspace_panels)
