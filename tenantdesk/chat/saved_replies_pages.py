"""/company/saved-replies: the saved replies in the app, in both languages (issue 21).

A company admin adds, edits, reorders, turns off and deletes them, and accepts or rejects
what managers propose; any other manager reads those in use and proposes new ones (kept
out of the picker until accepted). Customers are refused (403); who may do what is
service_requests.access'.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenantdesk.chat.models import SavedReply
from tenantdesk.core.forms import BootstrapFormMixin
from tenantdesk.service_requests.access import can_edit_saved_replies, can_use_saved_replies


class SavedReplyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ("title", "text_en", "text_ru", "position", "is_active")
        help_texts = {
            "position": gettext_lazy("Lower numbers come first in the picker."),
        }


class ProposalForm(SavedReplyForm):
    class Meta(SavedReplyForm.Meta):
        fields = ("title", "text_en", "text_ru")


def _reply(pk) -> SavedReply:
    try:
        return SavedReply.objects.get(pk=int(pk))
    except (TypeError, ValueError, SavedReply.DoesNotExist):
        raise Http404 from None


def _editor_or_403(user) -> None:
    if not can_edit_saved_replies(user):
        raise PermissionDenied


def _page(request, form, status=200):
    editor = can_edit_saved_replies(request.user)
    replies = SavedReply.objects.select_related("proposed_by").order_by("position", "title", "pk")
    in_use = [r for r in replies if r.is_active]
    context = {
        "editor": editor,
        "in_use": in_use,
        "proposals": [r for r in replies if not r.is_active and r.proposed_by_id],
        "turned_off": [r for r in replies if not r.is_active and not r.proposed_by_id]
        if editor
        else [],
        "form": form,
    }
    return render(request, "chat/saved_replies_page.html", context, status=status)


@login_required
def saved_replies_page(request):
    """The list, and the form: a new reply (company admin) or a proposal (manager)."""
    if not can_use_saved_replies(request.user):
        raise PermissionDenied
    editor = can_edit_saved_replies(request.user)
    form_class = SavedReplyForm if editor else ProposalForm
    if request.method != "POST":
        return _page(request, form_class(initial={"is_active": True}))
    form = form_class(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    reply = form.save(commit=False)
    if not editor:
        reply.is_active = False
        reply.proposed_by = request.user
    reply.save()
    if editor:
        messages.success(request, _("Saved reply “%(title)s” added.") % {"title": reply.title})
    else:
        messages.success(
            request,
            _("Thank you: “%(title)s” is proposed; a company admin will look at it.")
            % {"title": reply.title},
        )
    return redirect("saved_replies:page")


@login_required
def saved_reply_edit(request, pk: int):
    _editor_or_403(request.user)
    reply = _reply(pk)
    form = SavedReplyForm(request.POST or None, instance=reply)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved reply “%(title)s” saved.") % {"title": reply.title})
            return redirect("saved_replies:page")
        return render(
            request, "chat/saved_reply_edit.html", {"form": form, "reply": reply}, status=400
        )
    return render(request, "chat/saved_reply_edit.html", {"form": form, "reply": reply})


@login_required
@require_POST
def saved_reply_accept(request, pk: int):
    _editor_or_403(request.user)
    reply = _reply(pk)
    SavedReply.objects.filter(pk=reply.pk).update(is_active=True, proposed_by=None)
    messages.success(request, _("“%(title)s” is now in use.") % {"title": reply.title})
    return redirect("saved_replies:page")


@login_required
@require_POST
def saved_reply_delete(request, pk: int):
    _editor_or_403(request.user)
    reply = _reply(pk)
    reply.delete()
    messages.success(request, _("Saved reply “%(title)s” deleted.") % {"title": reply.title})
    return redirect("saved_replies:page")
