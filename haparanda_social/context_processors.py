from django.conf import settings


def site(request):
    """The municipality's name and contact details, shown in every page's header and footer."""
    return {
        "MUNICIPALITY_NAME": settings.MUNICIPALITY_NAME,
        "MUNICIPALITY_PHONE": settings.MUNICIPALITY_PHONE,
    }
