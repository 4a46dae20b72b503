"""alertmanager/: alertmanager.yml, message templates and the route tests that prove every alert reaches its receivers."""
