from django import forms
from django.contrib.auth.forms import BaseUserCreationForm

from core.models import User
from core.services.entries import MAX_ENTRY_LENGTH


class SignupForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120)


class EntryForm(forms.Form):
    text = forms.CharField(max_length=MAX_ENTRY_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    occurred_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
