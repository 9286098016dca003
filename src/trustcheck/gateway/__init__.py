"""Mail gateway integrations (milter, SMTP content filter); needs the ``gateway`` extra."""
