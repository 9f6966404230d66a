from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length
from wtforms.widgets import PasswordInput

from app.blueprints.fields import no_contact_details
from app.services.password_policy import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

NEW_PASSWORD_LENGTH = [Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
                       Length(max=MAX_PASSWORD_LENGTH, message=f"Use at most {MAX_PASSWORD_LENGTH} characters.")]


class SignupForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=100), no_contact_details])
    business_name = StringField("Business name", validators=[Length(max=100), no_contact_details])
    # Every address email-validator takes without asking DNS, `.test` ones included (the demo's), with its
    # own words for what is wrong.
    email = EmailField("Email", validators=[DataRequired(), Length(max=254),
                                            Email(check_deliverability=False, test_environment=True,
                                                  granular_message=True)])
    # Shown again after an error in another field, so that it need not be typed twice.
    password = PasswordField("Password", widget=PasswordInput(hide_value=False),
                             validators=[DataRequired(), *NEW_PASSWORD_LENGTH])


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in for 30 days")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=[DataRequired(), *NEW_PASSWORD_LENGTH])
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired(), EqualTo("password", "The passwords do not match.")])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Your account's email", validators=[DataRequired(message="Enter your email."),
                                                           Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), *NEW_PASSWORD_LENGTH])
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired(), EqualTo("password", "The passwords do not match.")])


class ResetWithCodeForm(ResetPasswordForm):
    email = EmailField("Your account's email", validators=[DataRequired(), Length(max=254)])
    code = StringField("Code from the text", filters=[lambda text: "".join(text.split()) if text else text],
                       validators=[DataRequired(message="Type the code we texted you."), Length(max=12)])
