""" Contains all the data models used in inputs/outputs """

from .account_deleted import AccountDeleted
from .active_token_dto import ActiveTokenDto
from .activity_dto import ActivityDto
from .activity_dto_metadata import ActivityDtoMetadata
from .actor_dto import ActorDto
from .add_address_request import AddAddressRequest
from .address_dto import AddressDto
from .address_list import AddressList
from .admin_activity_dto import AdminActivityDto
from .admin_activity_dto_metadata import AdminActivityDtoMetadata
from .admin_user_patch import AdminUserPatch
from .admin_user_patch_role_type_1 import AdminUserPatchRoleType1
from .admin_user_patch_role_type_2_type_1 import AdminUserPatchRoleType2Type1
from .admin_user_patch_role_type_3_type_1 import AdminUserPatchRoleType3Type1
from .auth_response import AuthResponse
from .authorize_url import AuthorizeUrl
from .availability import Availability
from .avatar_url import AvatarUrl
from .banner_url import BannerUrl
from .change_email_request import ChangeEmailRequest
from .change_password_request import ChangePasswordRequest
from .change_username_request import ChangeUsernameRequest
from .complete_signup_request import CompleteSignupRequest
from .create_token_request import CreateTokenRequest
from .create_token_request_scopes_item import CreateTokenRequestScopesItem
from .created_token_dto import CreatedTokenDto
from .credit_adjustment_dto import CreditAdjustmentDto
from .credit_adjustment_request import CreditAdjustmentRequest
from .credit_entry_dto import CreditEntryDto
from .credits_dto import CreditsDto
from .device_dto import DeviceDto
from .email_code_sent import EmailCodeSent
from .email_login_request import EmailLoginRequest
from .email_login_verify_with_code import EmailLoginVerifyWithCode
from .email_login_verify_with_token import EmailLoginVerifyWithToken
from .email_notifications_dto import EmailNotificationsDto
from .email_notifications_patch import EmailNotificationsPatch
from .email_verified import EmailVerified
from .enable_two_factor_request import EnableTwoFactorRequest
from .error_body import ErrorBody
from .error_body_fields_type_0 import ErrorBodyFieldsType0
from .export_dto import ExportDto
from .export_queued import ExportQueued
from .flameshot_mode import FlameshotMode
from .flameshot_request import FlameshotRequest
from .forgot_password_request import ForgotPasswordRequest
from .get_referrals_view import GetReferralsView
from .introspect_request import IntrospectRequest
from .introspection_dto import IntrospectionDto
from .limits_dto import LimitsDto
from .limits_patch import LimitsPatch
from .linked_account_dto import LinkedAccountDto
from .linked_account_list import LinkedAccountList
from .linked_avatar_request import LinkedAvatarRequest
from .list_of_activity_dto import ListOfActivityDto
from .list_of_activity_dto_items_item import ListOfActivityDtoItemsItem
from .list_of_activity_dto_items_item_metadata import ListOfActivityDtoItemsItemMetadata
from .list_of_admin_activity_dto import ListOfAdminActivityDto
from .list_of_admin_activity_dto_items_item import ListOfAdminActivityDtoItemsItem
from .list_of_admin_activity_dto_items_item_metadata import ListOfAdminActivityDtoItemsItemMetadata
from .list_of_login_history_entry import ListOfLoginHistoryEntry
from .list_of_login_history_entry_items_item import ListOfLoginHistoryEntryItemsItem
from .list_of_profile import ListOfProfile
from .list_of_profile_items_item import ListOfProfileItemsItem
from .list_of_public_action_dto import ListOfPublicActionDto
from .list_of_public_action_dto_items_item import ListOfPublicActionDtoItemsItem
from .list_of_public_profile import ListOfPublicProfile
from .list_of_public_profile_items_item import ListOfPublicProfileItemsItem
from .list_of_referral_history_entry import ListOfReferralHistoryEntry
from .list_of_referral_history_entry_items_item import ListOfReferralHistoryEntryItemsItem
from .login_authorization import LoginAuthorization
from .login_history_entry import LoginHistoryEntry
from .login_request import LoginRequest
from .login_second_step_with_code import LoginSecondStepWithCode
from .login_second_step_with_code_credential_type_0 import LoginSecondStepWithCodeCredentialType0
from .login_second_step_with_passkey import LoginSecondStepWithPasskey
from .login_second_step_with_passkey_credential import LoginSecondStepWithPasskeyCredential
from .login_second_step_with_recovery_code import LoginSecondStepWithRecoveryCode
from .login_second_step_with_recovery_code_credential_type_0 import LoginSecondStepWithRecoveryCodeCredentialType0
from .mfa_required import MfaRequired
from .notifications_dto import NotificationsDto
from .notifications_patch import NotificationsPatch
from .o_auth_callback_request import OAuthCallbackRequest
from .o_auth_login_request import OAuthLoginRequest
from .o_auth_provider_dto import OAuthProviderDto
from .o_auth_provider_list import OAuthProviderList
from .passkey_dto import PasskeyDto
from .passkey_list import PasskeyList
from .passkey_login_options_request import PasskeyLoginOptionsRequest
from .passkey_login_request import PasskeyLoginRequest
from .passkey_login_request_credential import PasskeyLoginRequestCredential
from .passkey_options import PasskeyOptions
from .passkey_options_public_key import PasskeyOptionsPublicKey
from .passkey_second_step_options_request import PasskeySecondStepOptionsRequest
from .pending_email import PendingEmail
from .perk_dto import PerkDto
from .perk_progress_dto import PerkProgressDto
from .perks_dto import PerksDto
from .personal_access_token_dto import PersonalAccessTokenDto
from .preferences_dto import PreferencesDto
from .preferences_patch import PreferencesPatch
from .profile import Profile
from .public_action_dto import PublicActionDto
from .public_profile import PublicProfile
from .readiness import Readiness
from .reauth_request import ReauthRequest
from .recovery_codes_regenerated import RecoveryCodesRegenerated
from .recovery_codes_status import RecoveryCodesStatus
from .referral_link_dto import ReferralLinkDto
from .referral_stats_dto import ReferralStatsDto
from .register_passkey_request import RegisterPasskeyRequest
from .register_passkey_request_credential import RegisterPasskeyRequestCredential
from .register_request import RegisterRequest
from .rename_passkey_request import RenamePasskeyRequest
from .reset_password_request import ResetPasswordRequest
from .session_dto import SessionDto
from .session_list import SessionList
from .session_token import SessionToken
from .set_referral_code_request import SetReferralCodeRequest
from .signup_required import SignupRequired
from .spectacle_mode import SpectacleMode
from .spectacle_request import SpectacleRequest
from .status import Status
from .storage_dto import StorageDto
from .token_list import TokenList
from .token_request import TokenRequest
from .two_factor_enabled import TwoFactorEnabled
from .two_factor_setup import TwoFactorSetup
from .two_factor_setup_request import TwoFactorSetupRequest
from .two_factor_status import TwoFactorStatus
from .update_profile_request import UpdateProfileRequest
from .upload_domain_dto import UploadDomainDto
from .upload_domain_list import UploadDomainList
from .upload_domain_selection import UploadDomainSelection
from .upload_form import UploadForm
from .upload_token_dto import UploadTokenDto
from .usage_dto import UsageDto
from .webhook_test_dto import WebhookTestDto

__all__ = (
    "AccountDeleted",
    "ActiveTokenDto",
    "ActivityDto",
    "ActivityDtoMetadata",
    "ActorDto",
    "AddAddressRequest",
    "AddressDto",
    "AddressList",
    "AdminActivityDto",
    "AdminActivityDtoMetadata",
    "AdminUserPatch",
    "AdminUserPatchRoleType1",
    "AdminUserPatchRoleType2Type1",
    "AdminUserPatchRoleType3Type1",
    "AuthorizeUrl",
    "AuthResponse",
    "Availability",
    "AvatarUrl",
    "BannerUrl",
    "ChangeEmailRequest",
    "ChangePasswordRequest",
    "ChangeUsernameRequest",
    "CompleteSignupRequest",
    "CreatedTokenDto",
    "CreateTokenRequest",
    "CreateTokenRequestScopesItem",
    "CreditAdjustmentDto",
    "CreditAdjustmentRequest",
    "CreditEntryDto",
    "CreditsDto",
    "DeviceDto",
    "EmailCodeSent",
    "EmailLoginRequest",
    "EmailLoginVerifyWithCode",
    "EmailLoginVerifyWithToken",
    "EmailNotificationsDto",
    "EmailNotificationsPatch",
    "EmailVerified",
    "EnableTwoFactorRequest",
    "ErrorBody",
    "ErrorBodyFieldsType0",
    "ExportDto",
    "ExportQueued",
    "FlameshotMode",
    "FlameshotRequest",
    "ForgotPasswordRequest",
    "GetReferralsView",
    "IntrospectionDto",
    "IntrospectRequest",
    "LimitsDto",
    "LimitsPatch",
    "LinkedAccountDto",
    "LinkedAccountList",
    "LinkedAvatarRequest",
    "ListOfActivityDto",
    "ListOfActivityDtoItemsItem",
    "ListOfActivityDtoItemsItemMetadata",
    "ListOfAdminActivityDto",
    "ListOfAdminActivityDtoItemsItem",
    "ListOfAdminActivityDtoItemsItemMetadata",
    "ListOfLoginHistoryEntry",
    "ListOfLoginHistoryEntryItemsItem",
    "ListOfProfile",
    "ListOfProfileItemsItem",
    "ListOfPublicActionDto",
    "ListOfPublicActionDtoItemsItem",
    "ListOfPublicProfile",
    "ListOfPublicProfileItemsItem",
    "ListOfReferralHistoryEntry",
    "ListOfReferralHistoryEntryItemsItem",
    "LoginAuthorization",
    "LoginHistoryEntry",
    "LoginRequest",
    "LoginSecondStepWithCode",
    "LoginSecondStepWithCodeCredentialType0",
    "LoginSecondStepWithPasskey",
    "LoginSecondStepWithPasskeyCredential",
    "LoginSecondStepWithRecoveryCode",
    "LoginSecondStepWithRecoveryCodeCredentialType0",
    "MfaRequired",
    "NotificationsDto",
    "NotificationsPatch",
    "OAuthCallbackRequest",
    "OAuthLoginRequest",
    "OAuthProviderDto",
    "OAuthProviderList",
    "PasskeyDto",
    "PasskeyList",
    "PasskeyLoginOptionsRequest",
    "PasskeyLoginRequest",
    "PasskeyLoginRequestCredential",
    "PasskeyOptions",
    "PasskeyOptionsPublicKey",
    "PasskeySecondStepOptionsRequest",
    "PendingEmail",
    "PerkDto",
    "PerkProgressDto",
    "PerksDto",
    "PersonalAccessTokenDto",
    "PreferencesDto",
    "PreferencesPatch",
    "Profile",
    "PublicActionDto",
    "PublicProfile",
    "Readiness",
    "ReauthRequest",
    "RecoveryCodesRegenerated",
    "RecoveryCodesStatus",
    "ReferralLinkDto",
    "ReferralStatsDto",
    "RegisterPasskeyRequest",
    "RegisterPasskeyRequestCredential",
    "RegisterRequest",
    "RenamePasskeyRequest",
    "ResetPasswordRequest",
    "SessionDto",
    "SessionList",
    "SessionToken",
    "SetReferralCodeRequest",
    "SignupRequired",
    "SpectacleMode",
    "SpectacleRequest",
    "Status",
    "StorageDto",
    "TokenList",
    "TokenRequest",
    "TwoFactorEnabled",
    "TwoFactorSetup",
    "TwoFactorSetupRequest",
    "TwoFactorStatus",
    "UpdateProfileRequest",
    "UploadDomainDto",
    "UploadDomainList",
    "UploadDomainSelection",
    "UploadForm",
    "UploadTokenDto",
    "UsageDto",
    "WebhookTestDto",
)
