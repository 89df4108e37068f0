"""The benchmark's two ceilings, served by the same server, middleware and authentication as
the real endpoints; mounted at ``/bench/`` only when ``SHIPSHAPE_BENCH_ENDPOINTS=1``.

(a) ``ping``: a small fixed JSON — what the framework and server cost for nothing.
(b) ``users``: a plain paginated DRF list of 50 rows of a one-table model (auth_user)."""

from django.contrib.auth import get_user_model
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView


class Ping(APIView):
    def get(self, request):
        return Response({"ok": True, "service": "shipshape"})


class UserRow(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "first_name", "last_name", "date_joined"]


class Fifty(PageNumberPagination):
    page_size = 50


class Users(generics.ListAPIView):
    queryset = get_user_model().objects.order_by("id")
    serializer_class = UserRow
    pagination_class = Fifty


urlpatterns = [
    path("ping/", Ping.as_view(), name="bench-ping"),
    path("users/", Users.as_view(), name="bench-users"),
]
