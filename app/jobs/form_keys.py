"""The daily clean-up of form keys older than `FORM_KEY_DAYS` (see app.services.form_keys)."""
from app.services.form_keys import remove_old_keys


def remove_old_form_keys():
    """Deletes the keys no repeated post is checked against any more; a second run at once finds nothing."""
    return f"removed {remove_old_keys()} old form keys"
