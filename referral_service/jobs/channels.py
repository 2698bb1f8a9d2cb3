"""The ways a notification leaves: GOV.UK Notify (SMS and email), plain SMTP (email), or, with
neither configured (the demo), recorded and shown in the portal. Each attempt is bounded in time.

The Notify client is the official one; only its transport is ours (`bounded_http`), so the whole
attempt (connecting, sending, the complete answer) ends within one deadline.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from notifications_python_client.errors import APIError, HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from referral_service.domain.notifications import Channel
from referral_service.jobs.bounded_http import Deadline, request
from referral_service.services.notification_delivery import Outgoing, SendResult

TIMEOUT_SECONDS = 10.0
RETRY_STATUSES = {408, 425, 429}


class BoundedNotifyClient(NotificationsAPIClient):
    """Notify's client, each request within `timeout` seconds overall, not per socket read."""

    def _perform_request(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        deadline = Deadline(float(self.timeout))
        target = requests.Request(method, url, params=kwargs.get("params")).prepare().url or url
        data = kwargs.get("data")
        try:
            status, body = request(
                method, target, data.encode() if isinstance(data, str) else None, kwargs["headers"], deadline
            )
        except (OSError, ValueError) as error:
            raise APIError(message=f"connection failed: {type(error).__name__}") from error
        response = requests.Response()
        response.status_code, response._content, response.url = status, body, target
        try:
            response.raise_for_status()
        except requests.HTTPError as error:
            raise HTTPError.create(error) from error
        return response


def _notify_error(error: APIError) -> SendResult:
    message = error.message
    if isinstance(message, list):
        message = "; ".join(str(item.get("message", item)) for item in message if isinstance(item, dict))
    words = f"Notify answered {error.status_code}: {message}"
    if isinstance(error, HTTPError) and error.response is not None:
        retry = error.status_code in RETRY_STATUSES or error.status_code >= 500
        return SendResult("retry" if retry else "park", words)
    return SendResult("retry", str(error._message or "Notify could not be reached"))


@dataclass(frozen=True)
class Channels:
    """What is configured: REFERRAL_SERVICE_NOTIFY_*, REFERRAL_SERVICE_SMTP_URL and _MAIL_FROM."""

    public_url: str = "http://localhost:5000"
    notify_api_key: str | None = None
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    notify_templates: Mapping[str, str] = field(default_factory=dict)
    smtp_url: str | None = None
    mail_from: str = "referrals@localhost"
    timeout: float = TIMEOUT_SECONDS

    def notify(self) -> BoundedNotifyClient | None:
        if not self.notify_api_key:
            return None
        return BoundedNotifyClient(self.notify_api_key, base_url=self.notify_base_url, timeout=self.timeout)  # type: ignore[no-untyped-call]

    def template_for(self, kind: str, channel: Channel) -> str | None:
        name = kind.upper().replace("-", "_")
        return self.notify_templates.get(f"{name}_{channel.name}") or self.notify_templates.get(name)

    def send(self, outgoing: Outgoing) -> SendResult:
        body = outgoing.body.replace("{base_url}", self.public_url)
        client = self.notify()
        if client is not None:
            return self._by_notify(client, outgoing, body)
        if outgoing.channel is Channel.EMAIL and self.smtp_url:
            return self._by_smtp(outgoing, body)
        return SendResult("recorded")

    def _by_notify(self, client: BoundedNotifyClient, outgoing: Outgoing, body: str) -> SendResult:
        template = self.template_for(outgoing.kind, outgoing.channel)
        if template is None:
            env = f"REFERRAL_SERVICE_NOTIFY_TEMPLATE_{outgoing.kind.upper().replace('-', '_')}"
            return SendResult("park", f"no Notify template for {outgoing.kind} by {outgoing.channel}: set {env}")
        personalisation = {"subject": outgoing.subject, "body": body}
        try:
            if outgoing.channel is Channel.SMS:
                answer = client.send_sms_notification(  # type: ignore[no-untyped-call]
                    outgoing.recipient, template, personalisation=personalisation, reference=outgoing.public_id
                )
            else:
                answer = client.send_email_notification(  # type: ignore[no-untyped-call]
                    outgoing.recipient, template, personalisation=personalisation, reference=outgoing.public_id
                )
        except APIError as error:
            return _notify_error(error)
        return SendResult("sent", reference=str(answer.get("id")) if isinstance(answer, dict) else None)

    def _by_smtp(self, outgoing: Outgoing, body: str) -> SendResult:
        url = urlsplit(self.smtp_url or "")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.mail_from, outgoing.recipient, outgoing.subject
        message["Message-ID"] = f"<{outgoing.public_id}@referral-service>"
        message.set_content(body)
        try:
            with smtplib.SMTP(url.hostname or "localhost", url.port or 25, timeout=self.timeout) as smtp:
                if url.scheme == "smtp+starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if url.username:
                    smtp.login(unquote(url.username), unquote(url.password or ""))
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            return SendResult("park", "the mail server refused the address")
        except smtplib.SMTPResponseException as error:
            words = f"the mail server answered {error.smtp_code}"
            return SendResult("retry" if error.smtp_code < 500 else "park", words)
        except (OSError, smtplib.SMTPException) as error:
            return SendResult("retry", f"the mail server could not be reached: {type(error).__name__}")
        return SendResult("sent")

    def delivery_status(self, reference: str) -> str | None:
        client = self.notify()
        if client is None:
            return None
        try:
            answer = client.get_notification_by_id(reference)  # type: ignore[no-untyped-call]
        except APIError:
            return None
        return str(answer.get("status")) if isinstance(answer, dict) else None

    def replies(self) -> list[tuple[str, str, str]]:
        """Texts patients sent back: (their number, what they wrote, when), newest first."""
        client = self.notify()
        if client is None:
            return []
        try:
            answer = client.get_received_texts()  # type: ignore[no-untyped-call]
        except APIError:
            return []
        return [
            (str(text.get("user_number", "")), str(text.get("content", "")), str(text.get("created_at", "")))
            for text in answer.get("received_text_messages", [])
        ]
