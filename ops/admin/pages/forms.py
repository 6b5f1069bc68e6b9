"""Forms for the portal's actions: they parse and validate; services do the work."""

from django import forms

from ops.services.formation import MAX_QUANTITY


class PidForm(forms.Form):
    pid = forms.IntegerField(min_value=1)


class FormationForm(forms.Form):
    def __init__(self, *args, process_types: list[str], initial_quantities: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in process_types:
            self.fields[kind] = forms.IntegerField(
                min_value=0, max_value=MAX_QUANTITY, initial=initial_quantities.get(kind, 1), label=kind
            )


class DynoForm(forms.Form):
    dyno = forms.RegexField(regex=r"^[\w.-]{1,100}$")


class ProcessTypeForm(forms.Form):
    process_type = forms.RegexField(regex=r"^[\w-]{1,64}$")


class ScaleForm(ProcessTypeForm):
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class MaintenanceForm(forms.Form):
    enabled = forms.BooleanField(required=False)
    message = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    retry_after = forms.IntegerField(required=False, min_value=10, max_value=24 * 3600,
                                     help_text="seconds, sent as Retry-After")


class HerokuMaintenanceForm(forms.Form):
    enabled = forms.BooleanField(required=False)
