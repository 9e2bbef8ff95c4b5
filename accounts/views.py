from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .permissions import accounts_visible_to, get_account_for_user


@login_required
def dashboard(request):
    accounts = accounts_visible_to(request.user).select_related("department")
    return render(request, "accounts/dashboard.html", {"accounts": accounts})


@login_required
def account_detail(request, pk):
    account = get_account_for_user(request.user, pk)
    return render(request, "accounts/account_detail.html", {"account": account})
