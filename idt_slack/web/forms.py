from django import forms

from core.web.forms import QUARTER_HOURS, WEEKDAYS, _time, time_zone_choices


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(choices=[])

    def __init__(self, *args, channels: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(cid, f"#{name}") for cid, name in channels]


class DigestForm(forms.Form):
    digest_days = forms.MultipleChoiceField(choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple)
    digest_time = forms.TypedChoiceField(choices=QUARTER_HOURS, coerce=_time)
    time_zone = forms.ChoiceField(choices=time_zone_choices)

    @classmethod
    def for_installation(cls, installation, data=None):
        initial = {
            "digest_days": list(installation.digest_days),
            "digest_time": installation.digest_time.strftime("%H:%M"),
            "time_zone": installation.time_zone,
        }
        return cls(data, initial=initial, prefix="slack")


class DefaultTeamForm(forms.Form):
    team = forms.CharField(required=False)
