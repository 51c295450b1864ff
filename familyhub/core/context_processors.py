from django.conf import settings


def site(request):
    return {"site": {"demo": settings.DEMO, "name": "familyhub"}}
