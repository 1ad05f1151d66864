"""The message centre (站内消息): a person's own messages, newest first; opening the page marks them read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from tongban.notifications.models import Message


@login_required
def inbox(request):
    messages = list(Message.objects.filter(user_id=request.user.pk)[:100])
    unread = [m.pk for m in messages if m.read_at is None]
    if unread:
        Message.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(request, "notifications/inbox.html", {"items": messages, "unread": set(unread)})
