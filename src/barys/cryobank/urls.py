from django.urls import path

from barys.cryobank import views

urlpatterns = [
    path("cryobank/", views.home, name="cryobank"),
    path("cryobank/samples/", views.sample_list, name="cryobank-samples"),
    path("cryobank/samples/new/", views.sample_new, name="cryobank-sample-new"),
    path("cryobank/samples/batch/", views.sample_batch, name="cryobank-sample-batch"),
    path("cryobank/samples/<str:code>/", views.sample_detail, name="cryobank-sample"),
    path("cryobank/samples/<str:code>/label.svg", views.label_svg, name="cryobank-label"),
    path("cryobank/samples/<str:code>/move/", views.sample_move, name="cryobank-sample-move"),
    path("cryobank/samples/<str:code>/thaw/", views.sample_thaw, name="cryobank-sample-thaw"),
    path(
        "cryobank/samples/<str:code>/take-out/",
        views.sample_take_out,
        name="cryobank-sample-take-out",
    ),
    path(
        "cryobank/samples/<str:code>/withdraw/",
        views.sample_withdraw,
        name="cryobank-sample-withdraw",
    ),
    path(
        "cryobank/samples/<str:code>/used-up/", views.sample_used_up, name="cryobank-sample-used-up"
    ),
    path(
        "cryobank/samples/<str:code>/aliquots/",
        views.sample_aliquots,
        name="cryobank-sample-aliquots",
    ),
    path("cryobank/samples/<str:code>/loan/", views.sample_loan, name="cryobank-sample-loan"),
    path("cryobank/samples/<str:code>/return/", views.sample_return, name="cryobank-sample-return"),
    path("cryobank/storage/", views.storage, name="cryobank-storage"),
    path("cryobank/storage/<str:code>/", views.container_detail, name="cryobank-container"),
    path("cryobank/labels/", views.label_sheet, name="cryobank-labels"),
    path("cryobank/export/<str:flavour>.csv", views.export, name="cryobank-export"),
]
