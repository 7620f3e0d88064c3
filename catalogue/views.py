from django.http import HttpResponse


def home(request):
    return HttpResponse("Smart City Exchange: see /api/docs/ and /admin/.")
