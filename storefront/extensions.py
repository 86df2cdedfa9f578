"""Extension singletons, unbound until ``create_app`` binds them."""

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from storefront.models.base import Base
from storefront.web.csrf_tokens import CSRFProtect

# Views commit once and then render what they loaded: keep it loaded after the commit instead
# of reloading every object (and its lines) one query at a time.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
login = LoginManager()
