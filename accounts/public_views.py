from django.shortcuts import get_object_or_404, render

from .models import SocialAccount


def account_list(request):
    accounts = SocialAccount.objects.public().select_related("department")
    return render(request, "accounts/public/account_list.html", {"accounts": accounts})


def account_detail(request, pk):
    account = get_object_or_404(SocialAccount.objects.public().select_related("department"), pk=pk)
    return render(request, "accounts/public/account_detail.html", {"account": account})
